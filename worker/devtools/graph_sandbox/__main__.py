from worker.devtools.graph_sandbox.server import main

main(prog_name="python -m worker.devtools.graph_sandbox")
