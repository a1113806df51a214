"""Side-by-side runs the chapters show (accuracy, races, costs, model checks, Monte Carlo)."""
