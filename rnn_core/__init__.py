"""RNN Lab's NumPy core: data sources, windows, scalers, models, training, forecasts, metrics.

Nothing here imports Streamlit or Plotly; every function works on plain arrays and can be
used from a notebook or a test.
"""
from .rnn import RNN

__all__ = ["RNN"]
