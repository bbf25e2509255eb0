"""Lianfang (廉防): integrity risk prevention and control platform."""
