"Worked solutions of the exercises in nbs/15_train.ipynb."
import torch
import torch.nn.functional as F


def eq9(focus, target_layer, n):
    return F.mse_loss(focus / (n - 1), target_layer.float() / (n - 1))

def soft_target(regions, n, sigma):
    k = torch.arange(n, dtype=torch.float32).view(1, n, 1, 1)
    return torch.softmax(-(k - regions[:, None].float()) ** 2 / (2 * sigma ** 2), dim=1)
