"""Numerical gradients by central differences, to check every backward pass (chapter 2).

    ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / 2ε,

with an error of order ε², far below the differences a wrong backward pass makes.
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function ``f()`` with respect to array ``x``.

    f : callable with no arguments that reads ``x`` (which is perturbed in place and restored)
        and returns a scalar.
    x : float array of any shape. Returns an array of the same shape.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a float array to perturb in place, got dtype {x.dtype}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that perturbing it changes what f reads")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f())
        flat[i] = old - eps
        f_minus = float(f())
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """Relative error ‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are zero.

    Taken over the whole array rather than entry by entry, so tiny entries whose
    finite-difference estimate is mostly rounding noise do not dominate.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}: they must match")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_gradient(name, analytic, f, x, eps=1e-6, tol=1e-7):
    """Compare an analytic gradient with the numerical one; raise AssertionError saying where.

    Returns the relative error when it is below ``tol``.
    """
    numeric = numerical_gradient(f, x, eps)
    err = rel_error(analytic, numeric)
    if not err < tol:
        worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
        where = ", ".join(str(int(i)) for i in worst)
        raise AssertionError(
            f"gradient of {name} is off: relative error {err:.2e} (tolerance {tol:.0e}); "
            f"worst entry {name}[{where}]: analytic {analytic[worst]:.6g}, "
            f"numerical {numeric[worst]:.6g}"
        )
    return err
