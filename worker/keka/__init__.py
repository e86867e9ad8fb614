"""Talking to Keka: the HTTP client, the outbox push, the employee import and the SQL they run."""
