package com.acme.inventory;

public record ReservationRequest(String sku, int quantity) {}
