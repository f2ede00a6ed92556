"""The primitive differentiable operations, one module per family."""
