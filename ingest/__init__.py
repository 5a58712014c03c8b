"""Reading a knowledge folder into versioned Chroma collections and keyword indexes."""
