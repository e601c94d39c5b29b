from hyperprune.cli import run_command

run_command()
