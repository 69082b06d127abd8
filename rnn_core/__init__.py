"""RNN Lab's NumPy core: data sources, windows, scalers, models, training, forecasts, metrics.

Nothing here imports Streamlit or Plotly; every function works on plain arrays and can be
used from a notebook or a test.
"""
from .mlp import MLP
from .optim import SGD, Adam, Momentum, clip_grad_norm, make_optimizer
from .rnn import RNN
from .train import History, TrainingDiverged, fit, fit_tbptt

__all__ = ["RNN", "MLP", "fit", "fit_tbptt", "SGD", "Momentum", "Adam", "make_optimizer",
           "clip_grad_norm", "TrainingDiverged", "History"]
