"""torch.nn.functional's names: activations, dropout, linear, and the losses."""
from ...ops.activation import gelu, softplus
from ...ops.elementwise import sigmoid, tanh
from ...ops.linalg import linear
from .activation import dropout, leaky_relu, log_softmax, relu, softmax
