"""Removal orders (EU Regulation 2021/784) received by a hosting platform, and legal holds."""
