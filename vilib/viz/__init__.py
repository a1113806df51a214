"""Figures (matplotlib): one style module, figures by what they draw, the recorded run, the stepper."""
