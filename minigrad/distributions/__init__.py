"""Probability distributions with torch.distributions' API: parameters, sampling (``sample``; ``rsample`` with the
reparameterisation trick where the family has one), ``log_prob``, ``entropy``, moments, and ``kl_divergence``.

Sampling draws from ``minigrad.random``'s generator, so ``minigrad.manual_seed`` makes it reproducible. REINFORCE::

    dist = Categorical(logits=policy(state))
    action = dist.sample()
    loss = -dist.log_prob(action) * reward
    loss.backward()
"""

from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Independent",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
