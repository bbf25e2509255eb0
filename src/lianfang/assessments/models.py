"""Models of the assessments module (廉政评估)."""
