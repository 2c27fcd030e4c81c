"""Tests of removal orders and legal holds."""
