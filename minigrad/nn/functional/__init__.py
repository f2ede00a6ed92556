"""torch.nn.functional's names: activations, dropout, linear, and the losses."""
from ...ops.activation import gelu, sigmoid, softplus, tanh
from ...ops.linalg import linear
from .activation import leaky_relu, log_softmax, relu, softmax
from .dropout import dropout
from .classification import cross_entropy, nll_loss
from .embedding import (cosine_embedding_loss, cosine_similarity, pairwise_distance, sigmoid_focal_loss,
                        triplet_margin_with_distance_loss)
from .probabilistic import (binary_cross_entropy, binary_cross_entropy_with_logits, gaussian_nll_loss, kl_div,
                            multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss)
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from .ctc import ctc_loss
from .conv import conv1d, conv2d, conv3d, fold, pad, unfold
from .margin import (hinge_embedding_loss, margin_ranking_loss, multi_margin_loss, multilabel_margin_loss,
                     triplet_margin_loss)
from .probabilistic import log_sigmoid as logsigmoid
