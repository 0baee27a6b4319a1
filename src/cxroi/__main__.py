from cxroi.cli import main

main()
