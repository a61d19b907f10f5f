package com.acme.inventory;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

@Entity
public class StockLevel {
    @Id
    private String sku;
    private int available;
    @Version
    private long version;

    public String getSku() { return sku; }
    public int getAvailable() { return available; }
    public void setAvailable(int available) { this.available = available; }
}
