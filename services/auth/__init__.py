"""Coordinators' sign-in: accounts with argon2 hashes, server-side sessions, rate-limited logins."""
