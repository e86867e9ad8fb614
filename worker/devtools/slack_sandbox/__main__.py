from worker.devtools.slack_sandbox.server import main

main()
