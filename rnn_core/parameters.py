"""What every model shares: a flat dict of named float64 arrays, counted and copied alike."""


class ParameterDict:
    """Mixin for models whose learned state is `self._params` (name -> float64 array) and whose
    architecture is `self.config` (a dict with "kind" plus the constructor's arguments)."""

    @property
    def params(self):
        """dict name -> float64 array; the live arrays (optimizers update them in place)."""
        return self._params

    @property
    def n_params(self):
        return sum(p.size for p in self._params.values())

    def copy(self):
        """An independent model with the same architecture and a copy of the parameters."""
        twin = type(self)(**{k: v for k, v in self.config.items() if k != "kind"})
        for name, p in self._params.items():
            twin._params[name][...] = p
        return twin
