package main

func benchDeflate(r *results, cfg *config) {}
