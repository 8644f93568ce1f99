from flytekit import task, workflow


# step1..step3 come from the guide's Flyte 2 side; here they are flytekit tasks with the
# parameter names the Flyte 1 snippet uses (x, y, z).
@task
def step1(x: int) -> int:
    return x + 1

@task
def step2(y: int) -> int:
    return y * 2

@task
def step3(z: int) -> str:
    return f"result={z}"

@workflow
def my_workflow(x: int) -> str:
    a = step1(x=x)      # Runs first
    b = step2(y=a)      # Runs second
    c = step3(z=b)      # Runs third
    return c
