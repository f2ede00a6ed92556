"""Neural-network building blocks with torch.nn's names: Module, Parameter, layers, init, functional."""
from . import functional, init, utils
from .layers import (GELU, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ModuleDict, ModuleList, ReLU,
                     Sequential, Sigmoid, Softmax, Softplus, Tanh)
from .module import Module
from .parameter import Parameter
