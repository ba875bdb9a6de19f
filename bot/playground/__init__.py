"""The playground: the Bot API emulator, the real bot against it and a web page, in one process."""
