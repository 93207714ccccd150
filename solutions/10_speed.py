"Worked solutions of the exercises in nbs/10_speed.ipynb."

def merge(parts):
    n = sum(c for c, _, _ in parts)
    mean = sum(c * m for c, m, _ in parts) / n
    return mean, sum(c * (v + (m - mean) ** 2) for c, m, v in parts) / n

def strip_window(a, b, n, h):
    return max(0, a - 2 * n), min(h, b + 2 * n)
