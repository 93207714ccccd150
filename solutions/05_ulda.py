"Worked solutions of the exercises in nbs/05_ulda.ipynb."

def inception_params(c_in, c_out):
    gc = max(1, int(c_out * 0.125))
    mix = c_in * c_out + c_out if c_in != c_out else 0
    return mix + (gc * 9 + gc) + 2 * (gc * 11 + gc)

def skip_shapes(h, w):
    return [(c, h >> (i + 1), w >> (i + 1)) for i, c in enumerate((8, 16, 24, 32, 48))]
