"""Step Jacobians of the vanilla RNN, their products over time, and the bound on their norm
that explains vanishing and exploding gradients (chapter 3).

For one example, h_{k+1} = φ(z_k) with z_k = b + W h_k + U x_{k+1}. Written the way the
lecture "통계적 이해 11강" and the book write it, in column (denominator) layout,

    ∂h_{k+1}/∂h_k = Wᵀ · diag[φ'(z_k)],   entry [j, i] = ∂h_{k+1,i} / ∂h_{k,j},

the transpose of the textbook Jacobian diag[φ'(z_k)] · W. In this layout a gradient column
vector goes back one step by a product on the left, ∂E/∂h_k = (Wᵀ diag[φ'(z_k)]) ∂E/∂h_{k+1},
and the product over a span keeps the formula's left-to-right order:

    ∂h_s/∂h_t = Π_{k=t}^{s−1} ∂h_{k+1}/∂h_k = J_t J_{t+1} ⋯ J_{s−1}.

(rnn_backward does the same in row form, dh_prev = (dh ⊙ φ') W, for a whole batch.)
Norms are spectral norms, ‖A‖ = largest singular value, so ‖J_k‖ ≤ ‖W‖ · max|φ'| = γ_w γ_h and
a product of m Jacobians has norm at most (γ_w γ_h)^m = gradient_bound(W, φ, m).
"""
import numpy as np

from ._checks import Shapes, nonnegative_int
from .functional import sigmoid

# φ(z), φ'(z) written in terms of z, and γ_h = sup |φ'|.
_ACTIVATIONS = {
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2, 1.0),
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z)), 0.25),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype), 1.0),
}


def step_jacobian(W, z, activation="tanh"):
    """∂h_{k+1}/∂h_k = Wᵀ · diag[φ'(z_k)] for one example, in column (denominator) layout.

    W : (H, H), z : (H,) the pre-activation z_k = b + W h_k + U x_{k+1} of the step.
    activation : "tanh", "sigmoid" or "relu" (φ; relu'(0) is taken as 0).
    Returns J : (H, H) with J[j, i] = ∂h_{k+1,i}/∂h_{k,j}.
    """
    check = Shapes()
    W = check("W", W, "H, H")
    z = check("z", z, "H")
    return W.T * _derivative(activation)(z)        # scales column i by φ'(z_i)


def jacobian_product(W, zs, activation="tanh"):
    """∂h_m/∂h_0 = J_0 J_1 ⋯ J_{m−1} over a span of m steps, in the layout of step_jacobian.

    W : (H, H), zs : (m, H) the pre-activations of the m steps in time order (zs[k] makes
    h_{k+1} from h_k). Returns (H, H); the identity when m = 0.
    """
    W, zs = _check_span(W, zs)
    dphi = _derivative(activation)(zs)
    P = np.eye(W.shape[0], dtype=np.result_type(W, zs))
    for k in range(zs.shape[0] - 1, -1, -1):
        P = (W.T * dphi[k]) @ P                    # J_k on the left: one more step back
    return P


def product_norms(W, zs, activation="tanh"):
    """How the gradient from the last step shrinks or grows as it goes back d steps.

    W : (H, H), zs : (T, H) the pre-activations of T steps in time order.
    Returns norms : (T,) with norms[d − 1] = ‖∂h_T/∂h_{T−d}‖ = ‖J_{T−d} ⋯ J_{T−1}‖, the
    spectral norm of the product of the last d step Jacobians, d = 1 … T.
    """
    W, zs = _check_span(W, zs)
    dphi = _derivative(activation)(zs)
    T, H = zs.shape
    norms = np.empty(T)
    P = np.eye(H, dtype=np.result_type(W, zs))
    for d in range(1, T + 1):
        P = (W.T * dphi[T - d]) @ P
        norms[d - 1] = np.linalg.norm(P, 2)
    return norms


def gamma_w(W):
    """γ_w = ‖W‖ = ‖Wᵀ‖, the largest singular value of W (H, H)."""
    W = Shapes()("W", W, "H, H")
    return float(np.linalg.norm(W, 2))


def gamma_h(activation):
    """γ_h = max_z |φ'(z)|: 1 for tanh, 1/4 for sigmoid, 1 for relu."""
    _derivative(activation)
    return _ACTIVATIONS[activation][2]


def gradient_bound(W, activation, steps):
    """(γ_w γ_h)^steps, a bound on ‖∂h_s/∂h_t‖ with steps = s − t.

    W : (H, H); activation : "tanh", "sigmoid" or "relu"; steps : int ≥ 0.
    Returns a Python float.

    steps counts step Jacobians, not states: ∂h_s/∂h_t = Π_{k=t}^{s−1} ∂h_{k+1}/∂h_k has
    s − t factors, each with ‖∂h_{k+1}/∂h_k‖ ≤ ‖W‖ · max|φ'| = γ_w γ_h, so

        ‖∂h_s/∂h_t‖ ≤ (γ_w γ_h)^(s − t) = gradient_bound(W, activation, s − t),

    and gradient_bound(W, activation, 0) = 1 (∂h_t/∂h_t is the identity). Lecture
    "통계적 이해 11강" writes the exponent as s − t − 1, one factor short: that still holds when
    γ_w γ_h ≤ 1 (the vanishing case) but can fail when γ_w γ_h > 1.
    """
    steps = nonnegative_int("steps", steps)
    return float((gamma_w(W) * gamma_h(activation)) ** steps)


def preactivations(x, h0, U, W, b, activation="tanh"):
    """Run h_{k+1} = φ(z_k), z_k = b + W h_k + U x_{k+1}, for one example and keep every z_k.

    x : (T, D), h0 : (H,), U : (H, D), W : (H, H), b : (H,).
    Returns zs : (T, H), ready for step_jacobian, jacobian_product and product_norms.
    """
    check = Shapes()
    U = check("U", U, "H, D")
    W = check("W", W, "H, H")
    b = check("b", b, "H")
    x = check("x", x, "T, D")
    h0 = check("h0", h0, "H")
    phi = _ACTIVATIONS[_name(activation)][0]
    zs = x @ U.T + b                               # every input projection in one product
    h = h0
    for k in range(zs.shape[0]):
        zs[k] += W @ h
        h = phi(zs[k])
    return zs


def _name(activation):
    if not isinstance(activation, str) or activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    return activation


def _derivative(activation):
    return _ACTIVATIONS[_name(activation)][1]


def _check_span(W, zs):
    check = Shapes()
    return check("W", W, "H, H"), check("zs", zs, "T, H")
