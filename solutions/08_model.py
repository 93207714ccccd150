"Worked solutions of the exercises in nbs/08_model.ipynb."

def parameters_by_stage(model):
    out = {"ulda": 0, "gru": 0, "other": 0}
    for name, p in model.named_parameters():
        out[name.split(".")[0] if name.split(".")[0] in out else "other"] += p.numel()
    return out

def load_problems(model, sd):
    own = model.state_dict()
    problems = [f"unexpected {k}" for k in sd if k not in own]
    problems += [f"missing {k}" for k in own if k not in sd and k != "log_scale"]
    problems += [f"shape {k}" for k in sd if k in own and tuple(sd[k].shape) != tuple(own[k].shape)]
    return problems
