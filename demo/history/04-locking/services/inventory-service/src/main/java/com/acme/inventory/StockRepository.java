package com.acme.inventory;

import jakarta.persistence.EntityManager;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

@Repository
public class StockRepository {
    private final EntityManager em;

    public StockRepository(EntityManager em) {
        this.em = em;
    }

    public StockLevel findBySku(String sku) {
        return em.find(StockLevel.class, sku);
    }

    /** Optimistic locking: the version column makes a concurrent decrement fail instead of overselling. */
    @Transactional
    public Reservation decrement(StockLevel level, int quantity) {
        level.setAvailable(level.getAvailable() - quantity);
        em.flush();
        return new Reservation(level.getSku(), quantity);
    }
}
