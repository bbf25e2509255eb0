"""Models of the commitments module (廉政承诺)."""
