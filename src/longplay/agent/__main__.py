from longplay.agent.main import main

main()
