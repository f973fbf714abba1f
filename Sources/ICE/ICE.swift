enum ICEModule {}
