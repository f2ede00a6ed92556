"""The Module classes, laid out as ``torch.nn.modules``: one file per family, every class re-exported here.

``module`` (the base class) < ``container``, ``linear``, ``activation``, ``dropout``, ``flatten``, ``distance``
< ``loss`` (which uses ``PairwiseDistance``); each layer's ``forward`` calls ``nn.functional``.

>>> model = Sequential(Linear(20, 16), Tanh(), Linear(16, 3))
>>> model(minigrad.randn(8, 20)).shape
(8, 3)
"""
from .module import Module
from .container import ModuleDict, ModuleList, Sequential
from .linear import Identity, Linear
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .dropout import Dropout
from .flatten import Flatten
from .conv import Conv1d, Conv2d, Conv3d
from .fold import Fold, Unfold
from .distance import CosineSimilarity, PairwiseDistance
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss, FocalLoss,
                   GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
                   MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, NLLLoss, NLLLoss2d, PoissonNLLLoss,
                   SmoothL1Loss, SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)

__all__ = ["Module",
           "Sequential", "ModuleList", "ModuleDict",
           "Identity", "Linear",
           "ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax",
           "Dropout", "Flatten", "PairwiseDistance", "CosineSimilarity",
           "Conv1d", "Conv2d", "Conv3d", "Unfold", "Fold",
           "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "NLLLoss2d", "CrossEntropyLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "HingeEmbeddingLoss",
           "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss", "MultiMarginLoss",
           "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss",
           "FocalLoss"]
