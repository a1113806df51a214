"""Teaching helpers (SymPy): symbolic checks, the answer checker, known pitfalls, display helpers."""
