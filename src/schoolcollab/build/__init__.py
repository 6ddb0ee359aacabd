"""Building the book: a data-aware execution cache and a build that never leaves a half-built site."""
