from worker.devtools.keka_sandbox.server import main

main(prog_name="python -m worker.devtools.keka_sandbox")
