"""torch.nn.functional's names: activations, dropout, linear, attention, pooling, normalisation, embedding, and the
losses."""

from ...ops.activation import gelu, sigmoid, softplus, tanh
from ...ops.activation import log_sigmoid as logsigmoid
from ...ops.embedding import embedding, embedding_bag, one_hot
from ...ops.linalg import bilinear, linear
from ...ops.normalization import batch_norm, group_norm, layer_norm, normalize
from ...ops.pooling_composite import lp_pool1d, lp_pool2d, lp_pool3d, max_unpool1d, max_unpool2d, max_unpool3d
from ...ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .activation import (
    celu,
    celu_,
    elu,
    elu_,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    mish,
    prelu,
    relu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    silu,
    softmax,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)
from .normalization import instance_norm, local_response_norm, rms_norm
from .vision import channel_shuffle, pixel_shuffle, pixel_unshuffle
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .classification import cross_entropy, nll_loss
from .ctc import ctc_loss
from .conv import conv1d, conv2d, conv3d, fold, pad, unfold
from .conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d
from .distance import cosine_similarity, pairwise_distance
from ...ops.distances import pdist
from .fractional_pooling import fractional_max_pool2d, fractional_max_pool3d
from .margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .probabilistic import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    gaussian_nll_loss,
    kl_div,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    sigmoid_focal_loss,
    soft_margin_loss,
)
from .linear_cross_entropy import linear_cross_entropy
from .grid import affine_grid, grid_sample
from .upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
