"""Front desk, part two (issue 15 parts 4-7): visitors, lockup, events, the seed data and the README's examples."""
