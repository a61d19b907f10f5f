package com.acme.inventory;

import jakarta.persistence.EntityManager;
import org.springframework.stereotype.Repository;

@Repository
public class StockRepository {
    private final EntityManager em;

    public StockRepository(EntityManager em) {
        this.em = em;
    }

    public StockLevel findBySku(String sku) {
        return em.find(StockLevel.class, sku);
    }

    public Reservation decrement(StockLevel level, int quantity) {
        level.setAvailable(level.getAvailable() - quantity);
        return new Reservation(level.getSku(), quantity);
    }
}
