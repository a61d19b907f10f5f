package com.acme.inventory;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class StockController {
    private final StockService stock;

    public StockController(StockService stock) {
        this.stock = stock;
    }

    @PostMapping("/stock/reservations")
    public Reservation reserve(@RequestBody ReservationRequest request) {
        return stock.reserve(request.sku(), request.quantity());
    }
}
