"""Formal information requests (UU 14/2008): form, requests, objections, notices, registers."""
