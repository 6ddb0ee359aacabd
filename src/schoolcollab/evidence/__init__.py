"""The evidence base: codebook, coded source records, claim ledger, ratings and synthesis."""
