await AgentMain.run()
