"""minigrad's random numbers: one module-level NumPy generator, reseeded by ``manual_seed``.

Every random factory (``rand``, ``randn``, ``randint``, ``randperm``), in-place initialiser (``uniform_``, ...),
``Dropout``, ``nn.init`` and ``DataLoader(shuffle=True)`` draws from it, so one ``manual_seed(s)`` makes a whole run
reproducible. A function may also take an explicit ``generator`` (a ``minigrad.Generator``).
"""

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator"]


class Generator:
    """A seedable source of random numbers (wraps ``numpy.random.Generator`` with PCG64).

    >>> g = minigrad.Generator().manual_seed(3)
    >>> first = minigrad.rand(2, generator=g)
    >>> _ = g.manual_seed(3)
    >>> bool((minigrad.rand(2, generator=g) == first).all())
    True
    """

    def __init__(self, seed=None):
        self.manual_seed(np.random.SeedSequence().entropy % (2**63) if seed is None else seed)

    def manual_seed(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int seed, got {type(seed).__name__}")
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self):
        """The seed the global generator was last seeded with (``manual_seed`` or ``seed``)."""
        return self._seed

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, state):
        self.numpy.bit_generator.state = state


default_generator = Generator()


def generator(explicit=None):
    """The NumPy generator to draw from: ``explicit``'s when given, else the module-level one."""
    return (explicit or default_generator).numpy


def manual_seed(seed):
    """Seed the module-level generator; returns it.

    >>> _ = minigrad.manual_seed(0)
    >>> a = minigrad.rand(2)
    >>> _ = minigrad.manual_seed(0)
    >>> bool((minigrad.rand(2) == a).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the module-level generator from the OS's entropy; returns the seed.

    >>> s = minigrad.seed()
    >>> minigrad.initial_seed() == s
    True
    """
    value = int(np.random.SeedSequence().entropy % (2**63))
    default_generator.manual_seed(value)
    return value


def initial_seed():
    """The seed the global generator was last seeded with (``manual_seed`` or ``seed``).

    >>> _ = minigrad.manual_seed(7)
    >>> minigrad.initial_seed()
    7
    """
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
