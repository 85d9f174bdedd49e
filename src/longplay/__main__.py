from longplay.cli.main import main

main()
