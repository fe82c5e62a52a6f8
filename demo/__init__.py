"""`make demo`: sets up and runs the whole product locally (see docs/demo.md)."""
