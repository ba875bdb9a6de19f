"""Channel adapters: turn platform updates into core events and outbox rows into API calls."""
