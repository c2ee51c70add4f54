"""finmodel: a financial model of the English Better Care Fund pooled budget."""

__version__ = "0.1.0"
