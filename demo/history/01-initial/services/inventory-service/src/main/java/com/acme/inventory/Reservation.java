package com.acme.inventory;

public record Reservation(String sku, int quantity) {}
