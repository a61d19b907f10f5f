package com.acme.inventory;

import org.springframework.stereotype.Service;

@Service
public class StockService {
    private final StockRepository repository;

    public StockService(StockRepository repository) {
        this.repository = repository;
    }

    public Reservation reserve(String sku, int quantity) {
        StockLevel level = repository.findBySku(sku);
        return repository.decrement(level, quantity);
    }
}
