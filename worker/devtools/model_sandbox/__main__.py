from worker.devtools.model_sandbox.server import main

main()
