package com.acme.inventory;

import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.stereotype.Service;

@Service
public class StockService {
    private static final int MAX_RETRIES = 2;

    private final StockRepository repository;

    public StockService(StockRepository repository) {
        this.repository = repository;
    }

    /** Reserves units of one SKU; concurrent reservations retry on a version conflict. */
    public Reservation reserve(String sku, int quantity) {
        for (int attempt = 0; ; attempt++) {
            try {
                StockLevel level = repository.findBySku(sku);
                return repository.decrement(level, quantity);
            } catch (OptimisticLockingFailureException e) {
                if (attempt >= MAX_RETRIES) {
                    throw new IllegalStateException("Could not reserve " + quantity + " units of " + sku, e);
                }
            }
        }
    }
}
